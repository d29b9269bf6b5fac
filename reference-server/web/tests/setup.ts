import '@testing-library/jest-dom/vitest';
import { configure } from '@testing-library/react';

// `findBy…`/`waitFor` give up after 1 s by default: too short on a loaded 2-core CI machine
// (one run failed that way right after the browser suite). Waits still end as soon as the UI is there.
configure({ asyncUtilTimeout: 5000 });
