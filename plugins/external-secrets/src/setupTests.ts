import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// the machine running the suite is shared; rendering MUI tables can take seconds
configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(60_000);
