// fp32_math.h's exp_f32 in SIMD lanes: the same operations in the same order on each lane (double precision,
// no fused multiply-adds), so the same bits as the scalar function on every target. Included inside
// HWY_NAMESPACE once per SIMD target (so no include guard), after `namespace hn`.

// v[i] = exp_f32(v[i]) for i < n.
HWY_INLINE void ExpF32InPlace(float* v, int64_t n) {
  const hn::CappedTag<double, 4> dd;  // 4 lanes, or 2 with 128-bit vectors
  const hn::Rebind<float, decltype(dd)> df;
  const hn::RebindToUnsigned<decltype(dd)> du;
  const int64_t N = static_cast<int64_t>(hn::Lanes(df));
  namespace c = fp32_math_detail;  // exp_parts's constants
  const auto kLog2e = hn::Set(dd, c::kLog2e), kRound = hn::Set(dd, c::kRound);
  const auto kLn2Hi = hn::Set(dd, c::kLn2Hi), kLn2Lo = hn::Set(dd, c::kLn2Lo);
  int64_t i = 0;
  for (; i + N <= n; i += N) {
    const auto xf = hn::LoadU(df, v + i);
    const auto x = hn::PromoteTo(dd, xf);
    // n = round(x / ln 2): after adding 1.5 * 2^52 the low mantissa bits hold n (two's complement).
    const auto shifted = hn::Add(hn::Mul(x, kLog2e), kRound);
    const auto nd = hn::Sub(shifted, kRound);
    auto r = hn::Sub(x, hn::Mul(nd, kLn2Hi));
    r = hn::Sub(r, hn::Mul(nd, kLn2Lo));
    auto q = hn::Set(dd, c::kInvFactorial11);
    for (double f : c::kInvFactorial) q = hn::Add(hn::Mul(q, r), hn::Set(dd, f));
    const auto m = hn::Mul(q, r);
    // 2^n from its bits: (n + 1023) << 52, n + 1023 taken from the low bits of `shifted` (|n| < 2^10 where the
    // result is used; other lanes are replaced below).
    const auto bits = hn::ShiftLeft<52>(hn::Add(hn::BitCast(du, shifted), hn::Set(du, 1023)));
    const auto ed = hn::Mul(hn::Add(hn::Set(dd, 1.0), m), hn::BitCast(dd, bits));
    // From FLT_MAX plus half its ulp (0x1.ffffffp127) on, the conversion to fp32 gives infinity; some targets'
    // DemoteTo clamps to FLT_MAX instead, so those lanes are marked (as 1.0, demoted exactly) and set below.
    const auto big = hn::Ge(ed, hn::Set(dd, 0x1.ffffffp127));
    const auto overflow = hn::DemoteTo(df, hn::IfThenElseZero(big, hn::Set(dd, 1.0)));
    const auto e = hn::DemoteTo(df, ed);
    // exp_f32's special cases: NaN stays, above 89 infinity, below -104 zero.
    const auto too_big = hn::Or(hn::Gt(xf, hn::Set(df, 89.0f)), hn::Eq(overflow, hn::Set(df, 1.0f)));
    auto out = hn::IfThenElse(too_big, hn::Set(df, HUGE_VALF), e);
    out = hn::IfThenElse(hn::Lt(xf, hn::Set(df, -104.0f)), hn::Zero(df), out);
    out = hn::IfThenElse(hn::IsNaN(xf), xf, out);
    hn::StoreU(out, df, v + i);
  }
  for (; i < n; ++i) v[i] = exp_f32(v[i]);
}
