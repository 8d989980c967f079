// tsc copies no HTML: the simulator page ships beside its compiled driver.
import { cpSync, existsSync } from 'node:fs';

const from = 'src/simulator/assets';
if (existsSync(from)) cpSync(from, 'dist/simulator/assets', { recursive: true });
