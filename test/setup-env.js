// Runs in every test worker before the test files load: auth0-deploy-cli creates its logger
// when it is first required, at info level unless AUTH0_LOG says otherwise.
process.env.AUTH0_LOG = process.env.AUTH0_LOG || 'error';
