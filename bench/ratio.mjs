/** `value / baseline` to three decimals, for the RESULT line; both measured in the same run. */
export function ratio(value, baseline) {
  return Number((value / baseline).toFixed(3));
}
