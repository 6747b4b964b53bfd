#!/usr/bin/env node
import { run } from '../dist/cli/qpid-rpc.js';

await run();
