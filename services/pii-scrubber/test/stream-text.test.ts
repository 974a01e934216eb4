// Stream boundaries: placeholders are restored and denied terms caught wherever the chunks split them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DenyMatcher, DenyStream, PlaceholderRestorer } from '../src/index.ts';

const MAP = { '<PERSON_1>': 'Alice Johnson', '<EMAIL_ADDRESS_1>': 'alice@example.org', '<PERSON_12>': 'Bob Li' };
const ANSWER = 'Hi <PERSON_1>, mail <EMAIL_ADDRESS_1> or <PERSON_12>; keep <b>bold</b> and a < b.';
const RESTORED = 'Hi Alice Johnson, mail alice@example.org or Bob Li; keep <b>bold</b> and a < b.';

/** Every way to cut `text` into two or three pieces. */
function* splits(text: string): Generator<string[]> {
  for (let i = 0; i <= text.length; i++) {
    yield [text.slice(0, i), text.slice(i)];
    for (let j = i; j <= text.length; j += 3) yield [text.slice(0, i), text.slice(i, j), text.slice(j)];
  }
}

describe('placeholder restore', () => {
  test('restores placeholders split at every offset, in two or three chunks', () => {
    for (const parts of splits(ANSWER)) {
      const r = new PlaceholderRestorer(MAP);
      let out = '';
      for (const p of parts) out += r.push(p);
      out += r.push('', true);
      assert.equal(out, RESTORED, JSON.stringify(parts));
    }
  });

  test('restores one character at a time and holds back only a possible placeholder prefix', () => {
    const r = new PlaceholderRestorer(MAP);
    let out = '';
    for (const ch of ANSWER) {
      out += r.push(ch);
      assert.ok(r.holding < '<EMAIL_ADDRESS_1>'.length, 'never holds a whole placeholder');
    }
    assert.equal(out + r.push('', true), RESTORED);
    const plain = new PlaceholderRestorer(MAP);
    assert.equal(plain.push('a <c'), 'a <c', 'text that cannot start a placeholder is sent at once');
  });

  test('an unfinished placeholder prefix at the end of the stream is released as is', () => {
    const r = new PlaceholderRestorer(MAP);
    assert.equal(r.push('end <PERS'), 'end ');
    assert.equal(r.push('', true), '<PERS');
  });
});

describe('deny stream', () => {
  const matcher = new DenyMatcher([
    { label: 'custom', term: 'Project Nightingale' },
    { label: 'custom', term: 'ass' },
    { label: 'ssn', regex: /\d{3}-\d{2}-\d{4}/, maxChars: 11 },
  ]);
  const run = (parts: string[]): { text: string; blocked: string | null } => {
    const s = new DenyStream(matcher);
    let text = '';
    for (const [i, p] of parts.entries()) {
      const r = s.push(p, i === parts.length - 1);
      if (typeof r !== 'string') return { text, blocked: r.blocked };
      text += r;
      assert.ok(s.holding <= Math.max(matcher.longestTerm, 10), `held ${s.holding}`);
    }
    return { text, blocked: null };
  };

  test('catches a term split at every offset and never sends any part of it', () => {
    const text = 'The codename is Project Nightingale, keep it quiet.';
    for (const parts of splits(text)) {
      const r = run([...parts, '']);
      assert.equal(r.blocked, 'custom', JSON.stringify(parts));
      assert.ok(!r.text.includes('Project N'), `sent ${JSON.stringify(r.text)} for ${JSON.stringify(parts)}`);
    }
  });

  test('catches a regex match split at every offset', () => {
    for (const parts of splits('SSN 536-22-8471 ok')) assert.equal(run([...parts, '']).blocked, 'ssn', JSON.stringify(parts));
  });

  test('does not block words that merely contain a term, however they are split', () => {
    const text = 'The assistant passed the class assessment.';
    for (const parts of splits(text)) {
      const r = run([...parts, '']);
      assert.equal(r.blocked, null, JSON.stringify(parts));
      assert.equal(r.text, text);
    }
  });

  test('holds back at most what a term prefix needs: clean text is sent at once', () => {
    const s = new DenyStream(matcher);
    assert.equal(s.push('Hello world. '), 'Hello world. '.slice(0, 'Hello world. '.length - 10));
    const terms = new DenyStream(new DenyMatcher([{ label: 'custom', term: 'Project Nightingale' }]));
    assert.equal(terms.push('Hello world '), 'Hello world ');
    assert.equal(terms.push('about Proj'), 'about ');
    assert.equal(terms.holding, 4);
  });
});
