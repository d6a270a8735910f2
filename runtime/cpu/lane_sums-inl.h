// Sums of the lanes of many fp32 vectors at once, for the register tiles of the matmul and attention kernels.
// Included inside HWY_NAMESPACE once per SIMD target (so no include guard), after `namespace hn`.

// out[k] = the sum of acc[k]'s lanes for k < N. Where the vectors are 256-bit x86 ones and N a multiple of 8:
// eight at a time by two levels of horizontal adds and a swap of 128-bit halves, 9 instructions where eight
// separate sums take ~50 (a 4 x 4 matmul tile's 16 sums were about a tenth of its time at K = 640).
template <int N, class V>
HWY_INLINE void SumsOfLanes(const V* acc, float* out) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
  if constexpr (N % 8 == 0 && sizeof(V) == 32) {
    for (int g = 0; g < N; g += 8) {
      const V* a = acc + g;
      const __m256 s01 = _mm256_hadd_ps(a[0].raw, a[1].raw), s23 = _mm256_hadd_ps(a[2].raw, a[3].raw);
      const __m256 s45 = _mm256_hadd_ps(a[4].raw, a[5].raw), s67 = _mm256_hadd_ps(a[6].raw, a[7].raw);
      // s0123 = [a0..a3's sums over lanes 0-3 | the same over lanes 4-7], s4567 likewise for a4..a7
      const __m256 s0123 = _mm256_hadd_ps(s01, s23), s4567 = _mm256_hadd_ps(s45, s67);
      const __m256 lo = _mm256_permute2f128_ps(s0123, s4567, 0x20), hi = _mm256_permute2f128_ps(s0123, s4567, 0x31);
      _mm256_storeu_ps(out + g, _mm256_add_ps(lo, hi));
    }
    return;
  }
#endif
  const hn::DFromV<V> d;
  for (int k = 0; k < N; ++k) out[k] = hn::GetLane(hn::SumOfLanes(d, acc[k]));
}
