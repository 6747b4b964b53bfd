#!/usr/bin/env node
import { run } from '../dist/cli/qpid-stat.js';

await run();
