/**
 * V8 recompiles a WebAssembly function with its optimizing compiler (TurboFan, on background
 * threads) once the function has run through its tiering budget. parquet-wasm's writer crosses the
 * default budget (1,800,000) within a range-sized file, so every fresh thread that writes one
 * recompiles a large part of the ~5 MB module: ~0.15–0.2 CPU-s per thread that a 50-block range
 * (bench/ingest) never earns back. The flag is process-wide and must be set before the module is
 * instantiated (parquet-wasm instantiates at import), so the modules that import parquet-wasm
 * import this one first.
 */
import { setFlagsFromString } from 'node:v8';

/**
 * 10× V8's default: only functions that run ten times longer are recompiled. A fresh thread that
 * decodes the bench devnet's 21 ranges and writes their files spent ~0.63 s of CPU (all threads)
 * against ~0.79 s at the default; a 700,000-row transactions file costs the same CPU either way
 * (~1.45 s), while Liftoff alone (no recompilation) costs ~15% more there.
 */
export const WASM_TIERING_BUDGET = 18_000_000;

setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
