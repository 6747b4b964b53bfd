#!/usr/bin/env node
import { run } from '../dist/cli/qpid-ctl.js';

await run();
