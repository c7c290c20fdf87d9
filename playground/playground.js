// Starts GraphiQL against the gateway that served this page. A file of its own because the
// page's Content-Security-Policy allows no inline script. Queries and mutations go over
// HTTP POST to this URL; subscriptions over graphql-ws on the same URL, with the headers
// editor's values as connection_init parameters (so the gateway key works there too).
/* global React, ReactDOM, GraphiQL */
(function () {
  'use strict';
  var root = document.getElementById('graphiql');
  var endpoint = location.origin + location.pathname;
  var keysRequired = root.getAttribute('data-keys-required') === 'true';
  var transport = GraphiQL.createFetcher({
    url: endpoint,
    subscriptionUrl: endpoint.replace(/^http/, 'ws'),
  });
  // GraphiQL parses the editor's text on a debounce, so a query pasted and run at once
  // would travel with the previous text's operation name and kind (a subscription sent
  // over HTTP). Read both from the text that is actually sent.
  function fetcher(params, options) {
    var documentAST;
    try {
      documentAST = GraphiQL.GraphQL.parse(params.query);
    } catch (error) {
      return transport(params, options);
    }
    var operations = documentAST.definitions.filter(function (d) { return d.kind === 'OperationDefinition'; });
    var named = operations.some(function (d) { return d.name && d.name.value === params.operationName; });
    var fixed = Object.assign({}, params);
    if (!named && operations.length === 1) fixed.operationName = operations[0].name ? operations[0].name.value : undefined;
    return transport(fixed, Object.assign({}, options, { documentAST: documentAST }));
  }
  root.textContent = '';
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: root.getAttribute('data-default-query'),
      // With gateway keys the headers editor opens with a template to fill in.
      defaultHeaders: keysRequired ? '{\n  "Authorization": "Bearer <your gateway key>"\n}' : undefined,
      defaultEditorToolsVisibility: keysRequired ? 'headers' : false,
      // The key stays in this tab's memory, never in localStorage.
      shouldPersistHeaders: false,
      isHeadersEditorEnabled: true,
    }),
  );
})();
