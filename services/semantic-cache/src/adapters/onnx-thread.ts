// Worker-thread side of the ONNX encoder: owns the session and answers batches of token ids with unit vectors.
import { workerData } from 'node:worker_threads';
import { answerCalls } from '@ai-gateway/kit';
import { createInlineOnnxEncoder, type OnnxEncoderOptions } from './onnx-encoder.ts';

const encoder = await createInlineOnnxEncoder(workerData as OnnxEncoderOptions);
answerCalls<number[][]>(async (batch) => {
  const vectors = await encoder.run(batch);
  return { result: vectors, transfer: vectors.map((v) => v.buffer as ArrayBuffer) };
});
