/**
 * A second process for lock tests: opens the data folder given as its argument, starts an import
 * row (as a running import would), prints `{ pid, importId }` and waits to be killed.
 */
import { openAppServices } from '../../src-main/services/app/app-services';

const services = openAppServices(process.argv[2]!);
const importId = services.imports.begin('/somewhere');
console.log(JSON.stringify({ pid: process.pid, importId }));
setInterval(() => undefined, 60_000);
