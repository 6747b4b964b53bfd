#!/usr/bin/env node
import { run } from '../dist/cli/qpid-config.js';

await run();
