#!/usr/bin/env python3
# Writes assets/fuzz_corpus/gguf/seed-small_gemma3.gguf: a complete, loadable Gemma 3 GGUF of 4.8 KB (one layer,
# hidden 8, ten tokens, F32 weights) that the gguf fuzzer mutates thousands of times a second. Standard library only.
import struct, sys
def s(x): b=x.encode(); return struct.pack('<Q',len(b))+b
def kv(k,t,payload): return s(k)+struct.pack('<I',t)+payload
def u32(k,v): return kv(k,4,struct.pack('<I',v))
def f32(k,v): return kv(k,6,struct.pack('<f',v))
def st(k,v): return kv(k,8,s(v))
def arr(k,et,items): return kv(k,9,struct.pack('<I',et)+struct.pack('<Q',len(items))+b''.join(items))
H,F,V=8,16,10
toks=['<pad>','<eos>','<bos>','<unk>','<start_of_turn>','<end_of_turn>','\u2581','a','b','\u2581a']
types=[3,3,3,2,3,3,1,1,1,1]
kvs=[st('general.architecture','gemma3'),st('general.name','small'),u32('gemma3.context_length',32),
     u32('gemma3.embedding_length',H),u32('gemma3.block_count',1),u32('gemma3.feed_forward_length',F),
     u32('gemma3.attention.head_count',2),u32('gemma3.attention.head_count_kv',1),u32('gemma3.attention.key_length',4),
     u32('gemma3.attention.value_length',4),f32('gemma3.attention.layer_norm_rms_epsilon',1e-6),
     u32('gemma3.attention.sliding_window',4),f32('gemma3.rope.freq_base',10000.0),
     st('tokenizer.ggml.model','llama'),arr('tokenizer.ggml.tokens',8,[s(t) for t in toks]),
     arr('tokenizer.ggml.scores',6,[struct.pack('<f',-i) for i in range(V)]),
     arr('tokenizer.ggml.token_type',5,[struct.pack('<i',t) for t in types]),
     u32('tokenizer.ggml.bos_token_id',2),u32('tokenizer.ggml.eos_token_id',1),u32('tokenizer.ggml.unknown_token_id',3)]
# name, ggml dims (innermost first)
q,kvd=2*4,1*4
tens=[('token_embd.weight',[H,V]),('output_norm.weight',[H]),
      ('blk.0.attn_norm.weight',[H]),('blk.0.attn_q.weight',[H,q]),('blk.0.attn_k.weight',[H,kvd]),
      ('blk.0.attn_v.weight',[H,kvd]),('blk.0.attn_output.weight',[q,H]),('blk.0.attn_q_norm.weight',[4]),
      ('blk.0.attn_k_norm.weight',[4]),('blk.0.ffn_norm.weight',[H]),('blk.0.ffn_gate.weight',[H,F]),
      ('blk.0.ffn_up.weight',[H,F]),('blk.0.ffn_down.weight',[F,H]),('blk.0.post_attention_norm.weight',[H]),
      ('blk.0.post_ffw_norm.weight',[H])]
out=b'GGUF'+struct.pack('<I',3)+struct.pack('<Q',len(tens))+struct.pack('<Q',len(kvs))+b''.join(kvs)
data=b''; infos=b''
for name,dims in tens:
    n=1
    for d in dims: n*=d
    off=len(data)
    infos+=s(name)+struct.pack('<I',len(dims))+b''.join(struct.pack('<q',d) for d in dims)+struct.pack('<I',0)+struct.pack('<Q',off)
    blob=b''.join(struct.pack('<f',0.01*((i*7)%13-6)) for i in range(n))
    data+=blob+b'\0'*((-len(blob))%32)
out+=infos
out+=b'\0'*((-len(out))%32)
open(sys.argv[1] if len(sys.argv) > 1 else 'assets/fuzz_corpus/gguf/seed-small_gemma3.gguf', 'wb').write(out+data)
