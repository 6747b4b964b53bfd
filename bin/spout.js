#!/usr/bin/env node
import { run } from '../dist/cli/spout.js';

await run();
