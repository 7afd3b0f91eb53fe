// The React entry's one import of each package, and of the core's errors. Bundled from these sources
// (as the size check does), every module's own `import … from 'react'`
// would stay a statement of its own in the output; through here there is one.
export { createContext, createElement, Fragment, useContext, useEffect, useMemo, useReducer, useState } from 'react';
export { useDispatch, useSelector, useStore } from 'react-redux';
export { AutosaveError, codedError } from '../errors';
