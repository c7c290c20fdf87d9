// `node --import ./test/support/register-ts.mjs src/main.ts`: see ts-loader.mjs.
import { register } from 'node:module';

register('./ts-loader.mjs', import.meta.url);
