// The app's version, for the About panel in both shells (the page cannot read package.json: it bundles
// only src/renderer and src/shared). version.test.ts keeps it equal to package.json's.
export const APP_VERSION = '0.1.0';
export const APP_NAME = 'Featurescope';
