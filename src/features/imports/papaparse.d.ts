// The part of papaparse this project uses: its core incremental parser (`Papa.Parser`), which the
// package exports but its community typings describe only loosely.
declare module "papaparse" {
  interface ParseError {
    type: string;
    code: string;
    message: string;
    row?: number;
    index?: number;
  }

  interface StepResult {
    /** In step mode: the one row just parsed. */
    data: string[][];
    errors: ParseError[];
    meta: { cursor: number; aborted: boolean; linebreak: string; delimiter: string };
  }

  interface CoreParserConfig {
    delimiter?: string;
    newline?: "\n" | "\r\n" | "\r";
    quoteChar?: string;
    step?: (result: StepResult) => void;
    fastMode?: boolean;
  }

  class CoreParser {
    constructor(config: CoreParserConfig);
    /** `ignoreLastRow`: the input may end inside a record, which is then left unparsed. */
    parse(input: string, baseIndex: number, ignoreLastRow: boolean): StepResult;
    abort(): void;
  }

  const Papa: { Parser: typeof CoreParser };
  export default Papa;
}
