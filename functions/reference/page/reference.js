// Starts Swagger UI on the reference page. A file of its own (not an inline script) so the page's content
// security policy allows scripts from this origin only.
'use strict';
(function start() {
  // The page is <API base>/docs: the API base is the folder it is served from, whatever the stage or base path.
  var apiBase = new URL('.', window.location.href).href.replace(/\/$/, '');
  fetch(apiBase + '/openapi.json', { headers: { accept: 'application/json' } })
    .then(function (response) {
      if (!response.ok) throw new Error('GET openapi.json answered ' + response.status);
      return response.json();
    })
    .then(function (spec) {
      // "Try it out" calls the API that served this page, not the URL the document was generated with.
      spec.servers = [{ url: apiBase, description: 'This API' }];
      window.ui = window.SwaggerUIBundle({
        spec: spec,
        dom_id: '#swagger-ui',
        layout: 'BaseLayout',
        deepLinking: true,
        docExpansion: 'list',
        defaultModelsExpandDepth: -1,
        displayRequestDuration: true,
        filter: true,
        // No call to the public validator service, no third-party request of any kind.
        validatorUrl: null,
      });
    })
    .catch(function (error) {
      document.getElementById('swagger-ui').textContent = 'The API description could not be loaded: ' + error.message;
    });
})();
