// Worker-thread side of the ONNX encoder: owns the session and answers batches of token ids with unit vectors.
import { parentPort, workerData } from 'node:worker_threads';
import { createInlineOnnxEncoder, type EncoderCall, type EncoderReply, type OnnxEncoderOptions } from './onnx-encoder.ts';

const port = parentPort;
if (!port) throw new Error('onnx-thread runs only as a worker thread');

const encoder = await createInlineOnnxEncoder(workerData as OnnxEncoderOptions);
port.on('message', (call: EncoderCall) => {
  encoder.run(call.batch).then(
    (vectors) => port.postMessage({ id: call.id, vectors } satisfies EncoderReply, vectors.map((v) => v.buffer as ArrayBuffer)),
    (err: unknown) => port.postMessage({ id: call.id, error: err instanceof Error ? err.message : String(err) } satisfies EncoderReply),
  );
});
port.postMessage({ id: 0, ready: true } satisfies EncoderReply);
