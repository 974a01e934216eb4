// Word lists the recognizers lean on: given names, name titles, street types, words that are never surnames.

/** Common given names (international mix). A capitalised surname must follow for a finding without context. */
export const GIVEN_NAMES: ReadonlySet<string> = new Set(
  `james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony mark
  donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan jacob gary
  nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory alexander frank patrick raymond
  jack dennis jerry tyler aaron jose adam nathan henry douglas zachary peter kyle noah ethan jeremy walter christian
  keith roger terry austin sean gerald carl harold dylan arthur lawrence jordan jesse bryan billy bruce gabriel joe
  logan alan juan albert willie elijah wayne randy vincent mason roy ralph bobby russell bradley philip eugene
  mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty sandra margaret ashley
  kimberly emily donna michelle carol amanda melissa deborah stephanie dorothy rebecca sharon laura cynthia amy
  kathleen angela shirley brenda emma anna pamela nicole samantha katherine christine helen debra rachel carolyn
  janet maria catherine heather diane olivia julie joyce victoria ruth virginia lauren kelly christina joan evelyn
  judith andrea hannah megan cheryl jacqueline martha madison teresa gloria sara janice ann kathryn abigail sophia
  frances jean alice judy isabella julia grace amber denise danielle marilyn beverly charlotte natalie theresa diana
  brittany doris kayla alexis lori marie mia rose hope faith may june summer autumn bill will mark jade ruby pearl
  hans klaus jurgen stefan andreas wolfgang sabine ursula petra monika heike anke birgit katrin lukas felix leon
  luca matteo giulia francesca alessandro marco giuseppe antonio sofia chiara pierre jean-luc francois nicolas
  camille manon chloe lea hugo louis antoine mathieu sebastien isabelle nathalie sylvie carlos miguel javier
  alejandro pablo sergio lucia carmen pilar rosa mohammed ahmed ali omar fatima aisha yusuf hassan ibrahim mustafa
  leila priya rahul amit anil sanjay deepak ravi anjali sunita kavya arjun vikram wei li jing min hiroshi yuki
  takeshi haruto sakura kenji aiko jin ji-ho seo-yeon olga ivan dmitri sergei natasha svetlana anastasia igor
  pavel katarzyna piotr tomasz agnieszka jan lars erik ingrid astrid sven nils bjorn freya oscar liam lucas ella
  chloe zoe lily sophie jacques ines joao tiago beatriz mariana rafael gustavo larissa fernanda kwame kofi ama
  chinedu ngozi amara tunde yaw zanele thabo`
    .split(/\s+/)
    .filter((w) => w.length > 0),
);

/** Titles and openers after which capitalised words are a person's name. */
export const NAME_TITLES = ['mr', 'mrs', 'ms', 'miss', 'dr', 'prof', 'sir', 'madam', 'herr', 'frau', 'mme', 'mlle'];

/** Phrases after which the next capitalised words are a name. */
export const NAME_CUES = ['my name is', "i'm called", 'name:', 'patient:', 'employee:', 'contact:', 'signed,', 'regards,', 'sincerely,', 'dear', 'cc:', 'attn:', 'customer:', 'full name'];

/** Capitalised words that follow a given name without being a surname. */
export const NOT_SURNAMES: ReadonlySet<string> = new Set(
  `i a an the and or but if then this that these those it its is are was were be been you he she we they me my your
  our their his her there here what when where why how who which monday tuesday wednesday thursday friday saturday
  sunday january february march april may june july august september october november december street avenue road
  please thanks thank hello hi yes no ok okay also just only not all some any each every christmas easter day
  night morning evening week month year team company inc ltd llc corp group app api server client python java
  javascript typescript rust go sql linux windows mac ios android google microsoft apple amazon openai`
    .split(/\s+/)
    .filter((w) => w.length > 0),
);

export const STREET_TYPES =
  'Street|St|Avenue|Loop|Row|Crescent|Close|Gardens|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Parkway|Pkwy|Highway|Hwy|Square|Sq|Circle|Cir';
