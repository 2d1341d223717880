#!/usr/bin/env node
// The `chatbot` executable: `chatbot validate FILE... [--format text|json]`.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
