/** A start-up error the operator must fix: its message on stderr, exit 1. */
export const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};
