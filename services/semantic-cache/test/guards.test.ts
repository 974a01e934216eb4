// Unit: near-miss guards reject prompts that differ in a guarded fact and accept paraphrases.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compatible, languageOf, signatureOf } from '@ai-gateway/semantic-cache';

const verdict = (a: string, b: string) => compatible(signatureOf(a), signatureOf(b));

describe('near-miss guards', () => {
  const rejects: Array<[string, string, string]> = [
    ['How many days are in 3 weeks?', 'How many days are in three weeks from now in 4 weeks?', 'number'],
    ['What is 15% of 200?', 'What is 20% of 200?', 'number'],
    ['What is the capital of France?', 'What is the capital of Germany?', 'entity'],
    ['What is the chemical symbol for gold?', 'What is the chemical symbol for silver?', 'entity'],
    ['Is it safe to eat raw eggs?', 'Is it not safe to eat raw eggs?', 'negation'],
    ["Which foods contain gluten?", "Which foods don't contain gluten?", 'negation'],
    ['What is the capital of France?', 'Quelle est la capitale de la France ?', 'language'],
    ['Convert 5 km to miles.', 'Convert 5 miles to km.', 'unit'],
    ['Convert Celsius to Fahrenheit.', 'Convert Fahrenheit to Celsius.', 'unit'],
    ['How do I encrypt a file?', 'How do I decrypt a file?', 'polarity'],
  ];
  for (const [a, b, reason] of rejects) {
    test(`rejects "${a}" vs "${b}" (${reason})`, () => {
      const v = verdict(a, b);
      assert.equal(v.ok, false);
      if (!v.ok) assert.equal(v.reason, reason);
    });
  }

  const accepts: Array<[string, string]> = [
    ['What is the capital of France?', 'Which city is the capital of france?'],
    ['How do I delete a branch in git?', 'How can I remove a git branch?'],
    ['Write a short poem about the ocean.', 'Write a brief poem about the ocean.'],
    ['How many days are in 3 weeks?', '3 weeks is how many days?'],
  ];
  for (const [a, b] of accepts) test(`accepts "${a}" vs "${b}"`, () => assert.deepEqual(verdict(a, b), { ok: true }));

  test('detects languages by script and stopwords', () => {
    assert.equal(languageOf('What is the weather like?'), 'en');
    assert.equal(languageOf('Wie ist das Wetter heute und was ist los?'), 'de');
    assert.equal(languageOf('光の速さはどれくらいですか'), 'ja');
  });
});
