// The dev-set targets hold: a detector change that loses recall or precision fails CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateInjection, evaluatePii } from '../eval/evaluate.ts';

test('PII dev set: recall >= 0.95 and precision >= 0.9 overall, recall >= 0.9 for every entity', () => {
  const r = evaluatePii();
  assert.ok(r.texts >= 150, `only ${r.texts} texts`);
  assert.ok(r.overall.recall >= 0.95, `recall ${r.overall.recall}\n${r.errors.join('\n')}`);
  assert.ok(r.overall.precision >= 0.9, `precision ${r.overall.precision}\n${r.errors.join('\n')}`);
  for (const [e, s] of Object.entries(r.perEntity)) assert.ok(s.recall >= 0.9, `${e} recall ${s.recall}`);
});

test('injection dev set: recall >= 0.9 at <= 5% false positives on benign texts', () => {
  const r = evaluateInjection();
  assert.ok(r.attacks + r.benign >= 150);
  assert.ok(r.recall >= 0.9, `recall ${r.recall}\n${r.errors.join('\n')}`);
  assert.ok(r.falsePositiveRate <= 0.05, `FPR ${r.falsePositiveRate}\n${r.errors.join('\n')}`);
});
