/** A progress line of a bench, on stderr: stdout carries only the result. */
export const log = (line: string): void => void process.stderr.write(`${line}\n`);
