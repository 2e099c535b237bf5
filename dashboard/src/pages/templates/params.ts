// Distinct `{{…}}` placeholders of a body, in order of first appearance: the API wants one example
// for each, in that order.
export function placeholdersOf(text: string): string[] {
  const seen: string[] = [];
  for (const match of text.matchAll(/\{\{\s*([^{}]+?)\s*\}\}/g)) {
    const name = match[1] ?? "";
    if (!seen.includes(name)) seen.push(name);
  }
  return seen;
}
