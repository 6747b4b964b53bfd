#!/usr/bin/env node
import { run } from '../dist/cli/qpid-route.js';

await run();
