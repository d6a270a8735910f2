// F32 weights: 4 bytes per value, one value per unit.
#define WT_UNIT 1

void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) { v[0] = wt_f32(row_off + 4u * u); }
