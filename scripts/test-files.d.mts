export function testFilesCalling(...calls: string[]): string[];
