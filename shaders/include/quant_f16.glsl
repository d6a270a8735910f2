// F16 weights: 2 bytes per value (IEEE binary16), one value per unit.
#define WT_UNIT 1

void wt_dequant_unit(uint row_off, uint u, out float v[WT_UNIT]) { v[0] = wt_f16(row_off + 2u * u); }
