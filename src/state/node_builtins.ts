/**
 * The Node built-ins the file-system checkpoint storage reads (Node, Deno and Bun have them), in
 * one module that is only ever imported dynamically, by `loadRuntime`. package.json's "browser"
 * field leaves it out of browser bundles, so a page's bundler never meets a `node:` import.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as os from 'node:os';
import process from 'node:process';
import * as v8 from 'node:v8';
import { Buffer } from 'node:buffer';
import * as zlib from 'node:zlib';

export { fs, path, os, process, v8, Buffer, zlib };
