// Lets `npm start` and `npm test` work on a fresh clone: install from the lockfile once.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';

if (!existsSync('node_modules/.package-lock.json')) {
  console.log('node_modules missing: running npm ci (once)...');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
}
