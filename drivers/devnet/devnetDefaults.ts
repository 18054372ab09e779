/** `trace-lite devnet` defaults (no imports: the CLI's help shows them without loading viem). */
export const DEVNET_DEFAULTS = { seed: 1, blocks: 500, accounts: 300 } as const;
