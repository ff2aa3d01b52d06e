export { installVib } from '../../src/workflows/installVib';
export { plainPollLoop } from './plainPollLoop';
