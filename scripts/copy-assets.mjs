// tsc copies no HTML or CSS: the simulator page ships beside its compiled driver, the dashboard's
// stylesheet beside its compiled modules.
import { cpSync, existsSync, mkdirSync } from 'node:fs';

const from = 'src/simulator/assets';
if (existsSync(from)) cpSync(from, 'dist/simulator/assets', { recursive: true });
mkdirSync('dist/dashboard', { recursive: true });
cpSync('src/dashboard/dashboard.css', 'dist/dashboard/dashboard.css');
