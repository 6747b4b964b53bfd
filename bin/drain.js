#!/usr/bin/env node
import { run } from '../dist/cli/drain.js';

await run();
