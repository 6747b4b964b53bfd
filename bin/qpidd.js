#!/usr/bin/env node
import { run } from '../dist/cli/qpidd.js';

await run();
