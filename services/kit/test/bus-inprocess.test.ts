// Runs the Bus contract against the in-process adapter.
import { createInProcessBus } from '../src/index.ts';
import { runBusContract } from './bus-contract.ts';

runBusContract('in-process', () => createInProcessBus(), { corePrefix: 'test.core', durablePrefix: 'test.evt' });
