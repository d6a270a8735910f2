// Q4_K / Q5_K read by words: the fp32 products' values of unit u from the type's wt_unit_i8 (its quants, the
// sub-block's d1 and m1): d1 * q - m1, precise (no fused multiply-add), so each value is bit-exact with the CPU
// dequantizer. Included by quant_q4_k.glsl and quant_q5_k.glsl after their wt_unit_i8.
void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) {
  uint q[4];
  float m1;
  const float d1 = wt_unit_i8(row_off, u, q, m1);
  [[unroll]] for (uint j = 0u; j < 16u; ++j) {
    precise float y = d1 * float(wt_byte(q, j)) - m1;
    v[j] = y;
  }
}
