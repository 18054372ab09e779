/**
 * The number formatting the charts and the report share: plain or scientific notation, base-unit
 * amounts (wei) in whole units, and shares as percentages.
 */

/** Digits kept in scientific notation, and decimals kept in plain notation. */
export const SIGNIFICANT_DIGITS = 4;
const PLAIN_DECIMALS = 4;
/** Magnitudes shown plainly; outside it (and never for zero) scientific notation reads better. */
const PLAIN_MIN = 1e-4;
const PLAIN_MAX = 1e6;

/** `5.400` → `5.4`, `12.0000` → `12`: trailing fractional zeros carry no information here. */
function trimFraction(decimal: string): string {
  return decimal.includes('.') ? decimal.replace(/0+$/, '').replace(/\.$/, '') : decimal;
}

function scientific(sign: string, mantissaDigits: string, exponent: number): string {
  const mantissa = trimFraction(`${mantissaDigits.slice(0, 1)}.${mantissaDigits.slice(1)}`);
  return `${sign}${mantissa}e${exponent}`;
}

/**
 * A number for axis ticks and figures: up to 4 decimals between 1e-4 and 1e6 (`0.465`, `1050`),
 * 4 significant digits outside (`5.4e9`), or more where ticks need them to differ (`5.4005e9`).
 */
export function formatNumber(value: number, significantDigits = SIGNIFICANT_DIGITS): string {
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < PLAIN_MIN || magnitude >= PLAIN_MAX)) {
    const [mantissa = '', exponent = '0'] = value.toExponential(significantDigits - 1).split('e');
    const sign = mantissa.startsWith('-') ? '-' : '';
    return scientific(sign, mantissa.replace(/[-.]/g, ''), Number(exponent));
  }
  return trimFraction(value.toFixed(PLAIN_DECIMALS));
}

/**
 * An integer amount of base units (wei) in whole units (MON, tokens), with the same notation as
 * `formatNumber`: '5400000000000000000000000000' → `5.4e9`. BigInt throughout, so amounts past 2^64
 * keep every digit until rounding.
 */
export function formatUnits(amount: string | bigint, decimals = 18): string {
  const raw = BigInt(amount);
  const sign = raw < 0n ? '-' : '';
  const magnitude = raw < 0n ? -raw : raw;
  const unit = 10n ** BigInt(decimals);
  const plainScale = 10n ** BigInt(PLAIN_DECIMALS);
  const tooSmall = magnitude * plainScale < unit; // below PLAIN_MIN = 1e-4 units
  if (magnitude !== 0n && (tooSmall || magnitude >= BigInt(PLAIN_MAX) * unit)) {
    const digits = magnitude.toString();
    let exponent = digits.length - 1 - decimals;
    let mantissa = digits.slice(0, SIGNIFICANT_DIGITS);
    if (digits.length > SIGNIFICANT_DIGITS && Number(digits[SIGNIFICANT_DIGITS]) >= 5) {
      mantissa = (BigInt(mantissa) + 1n).toString();
      if (mantissa.length > SIGNIFICANT_DIGITS) { // 9999 rounded up to 10000
        mantissa = mantissa.slice(0, SIGNIFICANT_DIGITS);
        exponent += 1;
      }
    }
    return scientific(sign, mantissa, exponent);
  }
  const scaled = (magnitude * plainScale + unit / 2n) / unit; // rounded to PLAIN_DECIMALS
  const fraction = (scaled % plainScale).toString().padStart(PLAIN_DECIMALS, '0');
  return trimFraction(`${sign}${scaled / plainScale}.${fraction}`);
}

/**
 * Micro-units survive the conversion: plenty for a chart. A 5.4e9 MON supply is 5.4e15 micro-units,
 * still exact below 2^53; past that the float rounds, which no chart can show.
 */
export const CHART_PRECISION = 10n ** 6n;

/** An amount of base units as a JS number of whole units, scaled with BigInt before it becomes a float. */
export function unitsToNumber(amount: string | bigint, decimals = 18): number {
  return Number((BigInt(amount) * CHART_PRECISION) / 10n ** BigInt(decimals)) / Number(CHART_PRECISION);
}

export const formatPercent = (share: number): string => `${formatNumber(share * 100)}%`;
