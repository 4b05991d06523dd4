/**
 * The layer rule from STYLE.md (spec/architecture.md): imports point left only.
 *   util, errors <- arrow <- variant <- schema, storage <- engine <- log <- expr, dv <- scan, timetravel <- txn <- ops <- table <- cli
 * A layer may import itself and any layer left of it; index.ts (the public surface) may import all.
 * Layers of the same rank do not import each other (util and errors excepted).
 */
const order = [
  ["util", "errors"],
  ["arrow"],
  ["variant"],
  ["schema", "storage"],
  ["engine"],
  ["log"],
  ["expr", "dv"],
  ["scan", "timetravel"],
  ["txn"],
  ["ops"],
  ["table"],
  ["cli"],
];
const rank = new Map(order.flatMap((layer, i) => layer.map((name) => [name, i])));
const forbidden = [];
for (const [from, i] of rank) {
  const higher = [...rank].filter(([, j]) => j > i).map(([n]) => n);
  const sameRankOthers = [...rank].filter(([n, j]) => j === i && n !== from && !["util", "errors"].includes(from)).map(([n]) => n);
  const banned = [...higher, ...sameRankOthers];
  if (banned.length === 0) continue;
  forbidden.push({
    name: `layer-${from}`,
    comment: `src/${from} may only import layers to its left (STYLE.md): not ${banned.join(", ")}`,
    severity: "error",
    from: { path: `^src/${from}/` },
    to: { path: `^src/(${banned.join("|")})/` },
  });
}
forbidden.push({
  name: "no-circular",
  severity: "error",
  comment: "modules must not import each other in a cycle",
  from: {},
  to: { circular: true },
});
forbidden.push({
  name: "engine-seam-only",
  severity: "error",
  comment:
    "outside src/engine/ only the seam (src/engine/index.ts) may be imported: the parquet-wasm implementation is reached through the Engine value",
  from: { path: "^src/", pathNot: "^src/engine/" },
  to: { path: "^src/engine/", pathNot: "^src/engine/index\\.ts$" },
});
forbidden.push({
  name: "cli-public-api-only",
  severity: "error",
  comment: "the CLI uses only the public API (src/index.ts), so it doubles as a usage test",
  from: { path: "^src/cli/" },
  to: { path: "^src/", pathNot: ["^src/cli/", "^src/index\\.ts$"] },
});
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
