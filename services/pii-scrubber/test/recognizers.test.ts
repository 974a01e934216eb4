// Recognizers: each entity is found with validation and context, and look-alikes are not.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, type EntityType } from '../src/index.ts';
import { ibanValid, luhnValid, ssnValid } from '../src/domain/checksums.ts';

function found(text: string, entity?: EntityType): string[] {
  return analyze(text)
    .filter((f) => !entity || f.entity === entity)
    .map((f) => `${f.entity}:${text.slice(f.start, f.end)}`);
}

describe('checksums', () => {
  test('luhn accepts valid card numbers and rejects a changed digit', () => {
    assert.ok(luhnValid('4111111111111111'));
    assert.ok(!luhnValid('4111111111111112'));
  });
  test('iban mod-97 accepts a valid IBAN and rejects a wrong check digit or length', () => {
    assert.ok(ibanValid('DE89 3704 0044 0532 0130 00'));
    assert.ok(ibanValid('GB82WEST12345698765432'));
    assert.ok(!ibanValid('DE88 3704 0044 0532 0130 00'));
    assert.ok(!ibanValid('DE89 3704 0044 0532 0130'));
  });
  test('ssn rules reject area 000/666/9xx, group 00, serial 0000 and sample numbers', () => {
    assert.ok(ssnValid('536228471'));
    for (const bad of ['000228471', '666228471', '912228471', '536008471', '536220000', '078051120']) assert.ok(!ssnValid(bad), bad);
  });
});

describe('recognizers', () => {
  test('email addresses, including plus tags and subdomains', () => {
    assert.deepEqual(found('mail j.doe+x@mail.example.co.uk now', 'EMAIL_ADDRESS'), ['EMAIL_ADDRESS:j.doe+x@mail.example.co.uk']);
  });
  test('credit cards need a valid Luhn digit', () => {
    assert.deepEqual(found('card 4111 1111 1111 1111 ok', 'CREDIT_CARD'), ['CREDIT_CARD:4111 1111 1111 1111']);
    assert.deepEqual(found('card 4111 1111 1111 1112 ok', 'CREDIT_CARD'), []);
  });
  test('IBANs need the mod-97 checksum', () => {
    assert.deepEqual(found('pay DE89 3704 0044 0532 0130 00 today', 'IBAN_CODE'), ['IBAN_CODE:DE89 3704 0044 0532 0130 00']);
    assert.deepEqual(found('pay DE88 3704 0044 0532 0130 00 today', 'IBAN_CODE'), []);
  });
  test('formatted SSNs are found; nine bare digits only with SSN context', () => {
    assert.deepEqual(found('number 536-22-8471 here', 'US_SSN'), ['US_SSN:536-22-8471']);
    assert.deepEqual(found('order 536228471 shipped', 'US_SSN'), []);
    assert.deepEqual(found('my ssn is 536228471', 'US_SSN'), ['US_SSN:536228471']);
    assert.deepEqual(found('number 666-22-8471 here', 'US_SSN'), []);
  });
  test('international and national phone numbers; a local number needs phone context', () => {
    assert.deepEqual(found('ring +44 20 7946 0958 today', 'PHONE_NUMBER'), ['PHONE_NUMBER:+44 20 7946 0958']);
    assert.deepEqual(found('ring (212) 555-0147 today', 'PHONE_NUMBER'), ['PHONE_NUMBER:(212) 555-0147']);
    assert.deepEqual(found('Tel. 030 12345678', 'PHONE_NUMBER'), ['PHONE_NUMBER:030 12345678']);
    assert.deepEqual(found('SKU 030 12345678', 'PHONE_NUMBER'), []);
  });
  test('IPv4 with valid octets and IPv6', () => {
    assert.deepEqual(found('host 10.0.0.12.', 'IP_ADDRESS'), ['IP_ADDRESS:10.0.0.12']);
    assert.deepEqual(found('host 10.0.0.312 bad', 'IP_ADDRESS'), []);
    assert.deepEqual(found('host 2001:db8:85a3::8a2e:370:7334 down', 'IP_ADDRESS'), ['IP_ADDRESS:2001:db8:85a3::8a2e:370:7334']);
  });
  test('provider key formats, assignments and high-entropy tokens near secret words', () => {
    assert.deepEqual(found('key sk-proj-Q9xv7LmT2pRs8KwZ4nBc6YdE1fGh ok', 'API_KEY'), ['API_KEY:sk-proj-Q9xv7LmT2pRs8KwZ4nBc6YdE1fGh']);
    assert.deepEqual(found('id AKIAIOSFODNN7EXAMPLE', 'API_KEY'), ['API_KEY:AKIAIOSFODNN7EXAMPLE']);
    assert.deepEqual(found('password: Tr0ub4dor&3xyz', 'API_KEY'), ['API_KEY:Tr0ub4dor&3xyz']);
    assert.deepEqual(found('the token is 9fQ2mZ7xLk4pW8sR1tV6aB3cD5eF', 'API_KEY'), ['API_KEY:9fQ2mZ7xLk4pW8sR1tV6aB3cD5eF']);
    assert.deepEqual(found('digest e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'API_KEY'), []);
  });
  test('person names from the dictionary with a surname, or after a title or cue', () => {
    assert.deepEqual(found('I met Sarah Thompson today', 'PERSON'), ['PERSON:Sarah Thompson']);
    assert.deepEqual(found('Dear Mr. Okonkwo, thanks', 'PERSON'), ['PERSON:Okonkwo']);
    assert.deepEqual(found('My name is Ingrid Halvorsen.', 'PERSON'), ['PERSON:Ingrid Halvorsen']);
    assert.deepEqual(found('Will you help me? May I ask?', 'PERSON'), []);
  });
  test('street addresses (US and European) and dates of birth only with birth context', () => {
    assert.deepEqual(found('I live at 742 Evergreen Terrace, Springfield.', 'STREET_ADDRESS'), ['STREET_ADDRESS:742 Evergreen Terrace, Springfield']);
    assert.deepEqual(found('Send it to Hauptstraße 12, 10115 Berlin', 'STREET_ADDRESS'), ['STREET_ADDRESS:Hauptstraße 12, 10115 Berlin']);
    assert.deepEqual(found('born on 14/07/1988 in Lyon', 'DATE_OF_BIRTH'), ['DATE_OF_BIRTH:14/07/1988']);
    assert.deepEqual(found('meeting on 14/07/1988 in Lyon', 'DATE_OF_BIRTH'), []);
  });
  test('per-entity thresholds and entity selection apply', () => {
    const text = 'host 10.0.0.12 and a@b.example.com';
    assert.equal(analyze(text, { thresholds: { IP_ADDRESS: 0.99 } }).some((f) => f.entity === 'IP_ADDRESS'), false);
    assert.deepEqual(analyze(text, { entities: new Set(['EMAIL_ADDRESS']) }).map((f) => f.entity), ['EMAIL_ADDRESS']);
  });
  test('overlapping matches keep the better one (a card is not also a phone number)', () => {
    assert.deepEqual(found('card 4111-1111-1111-1111 please'), ['CREDIT_CARD:4111-1111-1111-1111']);
  });
});
