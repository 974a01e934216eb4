// Prompt-injection rules beyond English: per language, the words for "ignore", "your instructions", "previous",
// "show me", "system prompt", "without restrictions" and notes addressed to an AI, combined into the same five
// kinds of rule in every language. The sentence encoder is English-only, so these carry non-English attacks.
import type { InjectionCategory } from './injection.ts';
import type { Rule } from './injection-rules.ts';

interface Lexicon {
  /** Latin, Cyrillic, Arabic or Devanagari words get letter boundaries; CJK text has none to find. */
  bounded: boolean;
  /** Imperatives that drop what is in force: ignore, forget, disregard. */
  override: string[];
  /** What is dropped: instructions, rules, directives. */
  target: string[];
  /** Which ones: previous, above, all, your, system. */
  qualifier: string[];
  /** Show, reveal, repeat, print. */
  reveal: string[];
  /** The model's own setup: system prompt, your instructions, initial instructions. */
  secret: string[];
  /** Without restrictions, filters, censorship. */
  unbound: string[];
  /** A note addressed to the AI reading the text: "note to the assistant", "if you are an AI". */
  addressee: string[];
}

const LEXICONS: Readonly<Record<string, Lexicon>> = {
  es: {
    bounded: true,
    override: ['ignora', 'ignore', 'ignorar', 'ignoren', 'olvida', 'olvide', 'olvidar', 'olviden', 'descarta', 'omite', 'haz caso omiso', 'no hagas caso', 'desobedece', 'anula', 'no sigas'],
    target: ['instrucciones', 'reglas', 'indicaciones', 'directrices', 'órdenes', 'normas', 'restricciones', 'pautas'],
    qualifier: ['anteriores', 'previas', 'de arriba', 'del sistema', 'iniciales', 'originales', 'todas', 'tus', 'sus', 'que te dieron'],
    reveal: ['muestra', 'muéstrame', 'revela', 'revélame', 'repite', 'imprime', 'copia', 'enséñame', 'comparte'],
    secret: ['prompt del sistema', 'mensaje del sistema', 'mensaje de sistema', 'instrucciones iniciales', 'instrucciones del sistema', 'instrucciones ocultas', 'instrucciones originales', 'tus instrucciones', 'tu configuración', 'tus reglas'],
    unbound: ['sin restricciones', 'sin filtros', 'sin ningún filtro', 'sin censura', 'sin reglas', 'sin límites', 'sin limitaciones'],
    addressee: ['nota para el asistente', 'nota para la ia', 'si eres una ia', 'si eres un asistente', 'instrucciones para la ia', 'atención asistente', 'para el modelo de ia'],
  },
  pt: {
    bounded: true,
    override: ['ignore', 'ignora', 'ignorar', 'esqueça', 'esqueca', 'esquece', 'desconsidere', 'desconsidera', 'descarte', 'desobedeça', 'não siga', 'nao siga'],
    target: ['instruções', 'instrucoes', 'regras', 'orientações', 'orientacoes', 'diretrizes', 'ordens', 'restrições', 'restricoes'],
    qualifier: ['anteriores', 'prévias', 'previas', 'acima', 'do sistema', 'iniciais', 'originais', 'todas', 'suas', 'tuas'],
    reveal: ['mostre', 'mostra', 'revele', 'revela', 'repita', 'repete', 'imprima', 'copie', 'compartilhe'],
    secret: ['prompt do sistema', 'mensagem do sistema', 'instruções iniciais', 'instruções do sistema', 'instruções ocultas', 'instruções originais', 'suas instruções', 'tuas instruções', 'sua configuração'],
    unbound: ['sem restrições', 'sem restricoes', 'sem filtros', 'sem filtro', 'sem censura', 'sem regras', 'sem limites'],
    addressee: ['nota para o assistente', 'nota para a ia', 'se você é uma ia', 'se voce e uma ia', 'se você for uma ia', 'instruções para a ia', 'atenção assistente', 'ao assistente de ia'],
  },
  fr: {
    bounded: true,
    override: ['ignore', 'ignorez', 'ignorer', 'oublie', 'oubliez', 'oublier', 'ne tiens pas compte', 'ne tenez pas compte', 'fais abstraction', 'faites abstraction', 'passe outre', 'passez outre'],
    // With an article: bare "instructions" or "directives" is English too.
    target: ['les instructions', 'tes instructions', 'vos instructions', 'ces instructions', 'consignes', 'règles', 'regles', 'les directives', 'les restrictions', 'ordres'],
    qualifier: ['précédentes', 'precedentes', 'antérieures', 'ci-dessus', 'du système', 'initiales', 'originales', 'toutes', 'tes', 'vos'],
    reveal: ['montre', 'montre-moi', 'montrez', 'révèle', 'révélez', 'répète', 'répétez', 'affiche', 'affichez', 'imprime', 'recopie'],
    secret: ['prompt système', 'invite système', 'message système', 'instructions initiales', 'instructions système', 'instructions cachées', "instructions d'origine", 'tes instructions', 'vos instructions', 'ta configuration'],
    unbound: ['sans restrictions', 'sans restriction', 'sans filtres', 'sans filtre', 'sans censure', 'sans règles', 'sans limites'],
    addressee: ["note pour l'assistant", "note à l'assistant", "note pour l'ia", "à l'attention de l'ia", 'si tu es une ia', 'si vous êtes une ia', "instructions pour l'ia"],
  },
  de: {
    bounded: true,
    override: ['ignoriere', 'ignorier', 'ignorieren sie', 'vergiss', 'vergessen sie', 'missachte', 'übergehe', 'verwirf', 'befolge nicht', 'hör auf'],
    target: ['anweisungen', 'instruktionen', 'regeln', 'vorgaben', 'richtlinien', 'befehle', 'einschränkungen', 'systemprompt'],
    qualifier: ['vorherigen', 'bisherigen', 'früheren', 'obigen', 'vorigen', 'alle', 'deine', 'ihre', 'ursprünglichen', 'system'],
    reveal: ['zeig', 'zeige', 'zeigen sie', 'verrate', 'wiederhole', 'drucke', 'gib aus'],
    secret: ['systemprompt', 'system-prompt', 'systemnachricht', 'systemanweisungen', 'deine anweisungen', 'ihre anweisungen', 'ursprünglichen anweisungen', 'versteckten anweisungen', 'geheimen anweisungen', 'deine konfiguration'],
    unbound: ['ohne einschränkungen', 'ohne filter', 'ohne zensur', 'ohne regeln', 'ohne grenzen', 'ohne beschränkungen'],
    addressee: ['hinweis für den assistenten', 'hinweis für die ki', 'hinweis an die ki', 'an die ki', 'wenn du eine ki bist', 'wenn sie eine ki sind', 'anweisung für die ki'],
  },
  it: {
    bounded: true,
    override: ['ignora', 'ignorate', 'ignorare', 'dimentica', 'dimenticate', 'trascura', 'non considerare', 'scarta', 'non seguire'],
    target: ['istruzioni', 'regole', 'indicazioni', 'direttive', 'restrizioni', 'vincoli'],
    qualifier: ['precedenti', 'sopra', 'del sistema', 'iniziali', 'originali', 'tutte', 'tue', 'sue'],
    reveal: ['mostra', 'mostrami', 'rivela', 'rivelami', 'ripeti', 'stampa', 'copia', 'condividi'],
    secret: ['prompt di sistema', 'messaggio di sistema', 'istruzioni iniziali', 'istruzioni di sistema', 'istruzioni nascoste', 'istruzioni originali', 'tue istruzioni', 'tua configurazione'],
    unbound: ['senza restrizioni', 'senza filtri', 'senza censura', 'senza regole', 'senza limiti'],
    addressee: ["nota per l'assistente", "nota per l'ia", "se sei un'ia", 'se sei un assistente', "istruzioni per l'ia", "all'assistente ia"],
  },
  nl: {
    bounded: true,
    override: ['negeer', 'vergeet', 'veronachtzaam', 'volg niet'],
    target: ['instructies', 'regels', 'richtlijnen', 'opdrachten', 'beperkingen'],
    qualifier: ['eerdere', 'vorige', 'bovenstaande', 'alle', 'je', 'jouw', 'systeem'],
    reveal: ['toon', 'laat zien', 'herhaal', 'print'],
    secret: ['systeemprompt', 'systeembericht', 'je instructies', 'jouw instructies', 'oorspronkelijke instructies', 'verborgen instructies'],
    unbound: ['zonder beperkingen', 'zonder filters', 'zonder censuur', 'zonder regels'],
    addressee: ['notitie voor de assistent', 'bericht voor de ai', 'als je een ai bent'],
  },
  ru: {
    bounded: true,
    override: ['игнорируй', 'игнорируйте', 'проигнорируй', 'проигнорируйте', 'забудь', 'забудьте', 'не обращай внимания', 'не учитывай', 'отбрось', 'отмени', 'не следуй'],
    target: ['инструкции', 'инструкций', 'указания', 'указаний', 'правила', 'правил', 'ограничения', 'ограничений', 'директивы', 'промпт'],
    qualifier: ['предыдущие', 'предыдущих', 'все', 'всех', 'прежние', 'вышеуказанные', 'системные', 'свои', 'твои', 'ваши'],
    reveal: ['покажи', 'покажите', 'выведи', 'раскрой', 'повтори', 'распечатай', 'процитируй'],
    secret: ['системный промпт', 'системные инструкции', 'системное сообщение', 'свои инструкции', 'твои инструкции', 'исходные инструкции', 'скрытые инструкции', 'первоначальные инструкции'],
    unbound: ['без ограничений', 'без фильтров', 'без цензуры', 'без правил'],
    addressee: ['примечание для ии', 'заметка для ассистента', 'если ты ии', 'если вы ии', 'для ии-ассистента', 'инструкция для ии'],
  },
  uk: {
    bounded: true,
    override: ['ігноруй', 'проігноруй', 'забудь', 'не зважай'],
    target: ['інструкції', 'вказівки', 'правила', 'обмеження'],
    qualifier: ['попередні', 'усі', 'всі', 'системні', 'свої'],
    reveal: ['покажи', 'виведи', 'розкрий', 'повтори'],
    secret: ['системний промпт', 'системні інструкції', 'свої інструкції', 'твої інструкції'],
    unbound: ['без обмежень', 'без фільтрів', 'без цензури'],
    addressee: ['примітка для ші', 'якщо ти ші'],
  },
  pl: {
    bounded: true,
    override: ['zignoruj', 'ignoruj', 'zapomnij', 'pomiń', 'nie stosuj się'],
    target: ['instrukcje', 'instrukcji', 'polecenia', 'zasady', 'reguły', 'ograniczenia', 'wytyczne'],
    qualifier: ['poprzednie', 'wcześniejsze', 'wszystkie', 'swoje', 'twoje', 'systemowe'],
    reveal: ['pokaż', 'ujawnij', 'powtórz', 'wypisz', 'podaj', 'wyświetl'],
    secret: ['prompt systemowy', 'instrukcje systemowe', 'swoje instrukcje', 'twoje instrukcje', 'początkowe instrukcje'],
    unbound: ['bez ograniczeń', 'bez filtrów', 'bez cenzury', 'bez zasad'],
    addressee: ['notatka dla asystenta', 'jeśli jesteś ai'],
  },
  tr: {
    bounded: true,
    override: ['yok say', 'görmezden gel', 'unut', 'dikkate alma', 'uyma'],
    target: ['talimatları', 'talimatlari', 'talimatlar', 'kuralları', 'kurallari', 'yönergeleri', 'komutları', 'kısıtlamaları'],
    qualifier: ['önceki', 'onceki', 'tüm', 'bütün', 'sistem', 'yukarıdaki'],
    reveal: ['göster', 'goster', 'tekrarla', 'yazdır', 'paylaş'],
    secret: ['sistem istemi', 'sistem promptu', 'sistem mesajı', 'talimatlarını', 'ilk talimatlar', 'gizli talimatlar'],
    unbound: ['kısıtlama olmadan', 'kısıtlamasız', 'filtresiz', 'sansürsüz', 'kuralsız'],
    addressee: ['yapay zekaya not', 'yapay zekâya not', 'asistana not', 'asistanına not', 'asistanina not', 'eğer bir yapay zekaysan', 'yapay zeka için not', 'yapay zekâ için not'],
  },
  id: {
    bounded: true,
    override: ['abaikan', 'lupakan', 'jangan ikuti'],
    target: ['instruksi', 'perintah', 'aturan', 'petunjuk', 'batasan'],
    qualifier: ['sebelumnya', 'semua', 'sistem', 'di atas', 'awal'],
    reveal: ['tampilkan', 'tunjukkan', 'ulangi', 'cetak'],
    secret: ['prompt sistem', 'instruksi sistem', 'instruksimu', 'instruksi awal', 'pesan sistem'],
    unbound: ['tanpa batasan', 'tanpa filter', 'tanpa sensor', 'tanpa aturan'],
    addressee: ['catatan untuk asisten', 'catatan untuk ai', 'jika kamu adalah ai'],
  },
  vi: {
    bounded: true,
    override: ['bỏ qua', 'quên', 'phớt lờ', 'đừng làm theo'],
    target: ['hướng dẫn', 'chỉ dẫn', 'quy tắc', 'lệnh', 'chỉ thị', 'giới hạn'],
    qualifier: ['trước đó', 'trước', 'tất cả', 'hệ thống', 'ban đầu', 'ở trên'],
    reveal: ['hiển thị', 'cho tôi xem', 'tiết lộ', 'lặp lại', 'in ra'],
    secret: ['lời nhắc hệ thống', 'prompt hệ thống', 'hướng dẫn hệ thống', 'hướng dẫn ban đầu', 'chỉ dẫn của bạn'],
    unbound: ['không giới hạn', 'không có giới hạn', 'không kiểm duyệt', 'không có bộ lọc'],
    addressee: ['ghi chú cho trợ lý', 'nếu bạn là ai'],
  },
  ar: {
    bounded: true,
    override: ['تجاهل', 'تجاهلي', 'تجاهلوا', 'انس', 'انسى', 'انسَ', 'لا تلتزم', 'لا تتبع'],
    target: ['التعليمات', 'تعليمات', 'الإرشادات', 'القواعد', 'الأوامر', 'القيود'],
    qualifier: ['السابقة', 'كل', 'جميع', 'النظام', 'الأصلية'],
    reveal: ['اعرض', 'أظهر', 'اظهر', 'اكشف', 'كرر', 'اطبع'],
    secret: ['موجه النظام', 'تعليمات النظام', 'تعليماتك', 'التعليمات الأصلية', 'رسالة النظام', 'التعليمات المخفية'],
    unbound: ['بدون قيود', 'بلا قيود', 'بدون فلاتر', 'بدون رقابة', 'بدون قواعد'],
    addressee: ['ملاحظة للمساعد', 'ملاحظة للذكاء الاصطناعي', 'إذا كنت ذكاء اصطناعي', 'إذا كنت ذكاءً اصطناعياً'],
  },
  hi: {
    bounded: true,
    override: ['अनदेखा', 'नज़रअंदाज़', 'नजरअंदाज', 'भूल जाओ', 'भूल जाएं', 'मत मानो'],
    target: ['निर्देशों', 'निर्देश', 'नियमों', 'नियम', 'आदेशों', 'प्रतिबंधों'],
    qualifier: ['पिछले', 'सभी', 'सारे', 'ऊपर', 'पहले', 'सिस्टम'],
    reveal: ['दिखाओ', 'दिखाएं', 'दोहराओ', 'प्रकट करो'],
    secret: ['सिस्टम प्रॉम्प्ट', 'सिस्टम संदेश', 'अपने निर्देश', 'मूल निर्देश', 'छिपे निर्देश'],
    unbound: ['बिना किसी प्रतिबंध', 'बिना प्रतिबंध', 'बिना फ़िल्टर', 'बिना सेंसर', 'बिना नियम'],
    addressee: ['सहायक के लिए नोट', 'अगर तुम एआई हो', 'यदि आप एआई हैं'],
  },
  zh: {
    bounded: false,
    override: ['忽略', '无视', '無視', '忘记', '忘記', '忘掉', '不要理会', '不要理會', '忽视', '忽視', '抛开', '拋開', '不要遵守', '不要遵循'],
    target: ['指令', '指示', '说明', '說明', '规则', '規則', '提示词', '提示詞', '设定', '設定', '限制', '要求'],
    qualifier: ['之前', '以上', '上面', '先前', '所有', '全部', '原来', '原來', '系统', '系統', '你的'],
    reveal: ['显示', '顯示', '输出', '輸出', '打印', '重复', '重複', '透露', '泄露', '洩露', '给我看', '給我看', '展示'],
    secret: ['系统提示', '系統提示', '系统指令', '系統指令', '初始指令', '你的指令', '你的设定', '你的設定', '系统消息', '系統訊息'],
    unbound: ['没有任何限制', '沒有任何限制', '没有限制', '沒有限制', '不受任何限制', '不受限制', '无限制', '無限制', '没有过滤', '沒有過濾', '不受约束', '不受約束'],
    addressee: ['给ai的', '給ai的', '如果你是ai', '致ai', 'ai助手请', 'ai助手請', '给助手的', '給助手的', '助手请注意', '助手請注意'],
  },
  ja: {
    bounded: false,
    override: ['無視', '忘れて', '忘れろ', '従わないで', '従うな', '破棄'],
    target: ['指示', '命令', 'ルール', '制約', '設定', 'プロンプト', '規則'],
    qualifier: ['以前の', 'これまでの', '上記の', '前の', 'すべての', '全ての', '元の', 'システム'],
    reveal: ['表示', '見せて', '出力', '繰り返', '書き出', '開示', '公開'],
    secret: ['システムプロンプト', '初期設定', '最初の指示', 'あなたの指示', 'システムメッセージ', '隠された指示', '元の指示'],
    unbound: ['制限のない', '制限なし', '制限なく', '制約のない', '制約なし', 'フィルターなし', 'フィルターのない', '検閲なし'],
    addressee: ['aiへの指示', 'aiへのメモ', 'アシスタントへ', 'あなたがaiなら', 'aiアシスタントは'],
  },
  ko: {
    bounded: false,
    override: ['무시', '잊어', '따르지 마'],
    target: ['지시', '지침', '명령', '규칙', '지시사항', '프롬프트', '제한'],
    qualifier: ['이전', '위의', '모든', '앞의', '기존', '시스템'],
    reveal: ['보여', '출력', '반복', '공개'],
    secret: ['시스템 프롬프트', '초기 지시', '너의 지시', '당신의 지시', '시스템 메시지', '숨겨진 지시'],
    unbound: ['제한 없', '제약 없', '필터 없', '규칙 없', '검열 없'],
    addressee: ['ai에게', '어시스턴트에게', '당신이 ai라면', '네가 ai라면'],
  },
};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const alt = (words: readonly string[]) => `(?:${words.map(escape).join('|')})`;

function rulesOf(lx: Lexicon): Rule[] {
  // Letter boundaries that work beyond ASCII (\b does not); CJK words run together, so none there.
  const w = (words: readonly string[]) => (lx.bounded ? `(?<!\\p{L})${alt(words)}(?!\\p{L})` : alt(words));
  const gap = lx.bounded ? '[^.!?\\n]{0,40}' : '[^。！？.!?\\n]{0,20}';
  const [v, t, q, r, s] = [w(lx.override), w(lx.target), w(lx.qualifier), w(lx.reveal), w(lx.secret)];
  const re = (source: string) => new RegExp(source, 'u');
  const rule = (category: InjectionCategory, weight: number, source: string): Rule => ({ category, weight, pattern: re(source) });
  return [
    // Drop the instructions, in either order (verb-final languages put the object first).
    // Weaker without word boundaries: a CJK verb and noun anywhere near each other is a looser signal.
    rule('instruction_override', lx.bounded ? 0.55 : 0.45, `${v}${gap}${t}|${t}${gap}${v}`),
    // …and which ones: previous, all, the system's.
    rule('instruction_override', 0.85, `${v}${gap}(?:${q}${gap}${t}|${t}${gap}${q})|(?:${q}${gap}${t}|${t}${gap}${q})${gap}${v}`),
    rule('system_prompt_exfiltration', 0.85, `${r}${gap}${s}|${s}${gap}${r}`),
    rule('role_play_jailbreak', 0.5, w(lx.unbound)),
    rule('tool_result_injection', 0.65, w(lx.addressee)),
  ];
}

export const I18N_RULES: readonly Rule[] = Object.values(LEXICONS).flatMap(rulesOf);
