#!/usr/bin/env node
import { run } from '../dist/cli/qpid-notify.js';

await run();
