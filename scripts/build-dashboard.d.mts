export declare const JS_BUDGET_GZIP_BYTES: number;
export declare function buildDashboard(options?: { quiet?: boolean }): Promise<{
  jsGzipBytes: number;
  entryGzipBytes: number;
  cssGzipBytes: number;
  jsBytes: number;
}>;
