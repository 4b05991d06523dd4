// Loaded with `node --import` in tests: makes resolving apache-arrow, parquet-wasm or the library's
// public entry point fail, to prove that --help and --version never load them.
import { register } from "node:module";

register("./forbid-heavy-hooks.mjs", import.meta.url);
