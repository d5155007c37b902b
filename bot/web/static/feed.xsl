<?xml version="1.0" encoding="utf-8"?>
<!-- Renders a campaign's Atom feed (feed.xml) as a readable page when it is opened in a
     browser; feed readers ignore it. Same origin, no script, no inline style (the CSP). -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:a="http://www.w3.org/2005/Atom" exclude-result-prefixes="a">
  <xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat"/>
  <xsl:template match="/a:feed">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="a:title"/> (feed)</title>
        <link rel="stylesheet" href="/static/style.css"/>
        <link rel="stylesheet" href="/static/supporter.css"/>
      </head>
      <body>
        <main id="main" class="feed-page">
          <h1><xsl:value-of select="a:title"/></h1>
          <p class="note">This is a <strong>feed</strong>: copy this page's address into a feed
            reader to hear of every new post, with no account.
            <a href="{a:link[@rel='alternate']/@href}">Back to the campaign page</a>.</p>
          <xsl:choose>
            <xsl:when test="a:entry">
              <ul class="queue">
                <xsl:for-each select="a:entry">
                  <li class="post-card">
                    <header>
                      <strong><xsl:value-of select="a:category/@term"/></strong>
                      <span class="muted"> · <xsl:value-of select="substring(a:published, 1, 10)"/></span>
                    </header>
                    <p class="post-text"><xsl:value-of select="a:content"/></p>
                    <xsl:if test="a:link[@rel='alternate']">
                      <p><a href="{a:link[@rel='alternate']/@href}" rel="noopener noreferrer">View the post</a></p>
                    </xsl:if>
                  </li>
                </xsl:for-each>
              </ul>
            </xsl:when>
            <xsl:otherwise><p>Nothing posted yet.</p></xsl:otherwise>
          </xsl:choose>
        </main>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
