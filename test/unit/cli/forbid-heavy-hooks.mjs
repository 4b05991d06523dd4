// Module resolution hook for forbid-heavy.mjs.
export async function resolve(specifier, context, next) {
  if (
    specifier === "apache-arrow" ||
    specifier === "parquet-wasm" ||
    /(^|\/)src\/index\.(js|ts)$/.test(specifier) ||
    specifier === "../index.js"
  ) {
    throw new Error(`loaded ${specifier} (forbidden in this run)`);
  }
  return next(specifier, context);
}
