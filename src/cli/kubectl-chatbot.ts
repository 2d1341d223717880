#!/usr/bin/env node
// The `kubectl-chatbot` executable: on PATH, kubectl runs it as `kubectl chatbot ...`
// (see 'kubectl chatbot --help' and `make install-plugin`).
import { main } from './plugin/main.ts';

process.exitCode = await main(process.argv.slice(2));
