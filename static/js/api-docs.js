// The API docs page (/api/schema): Swagger UI from our own static files, started here rather than in an
// inline script, so the page keeps the strict Content-Security-Policy.
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: root.getAttribute("data-spec-url"), dom_id: "#swagger-ui", deepLinking: true });
});
